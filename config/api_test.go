package config

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"keysync/internal/testcert"
)

// testToken is a token Load accepts; finding it in any output is a leak.
const testToken = "f3a9c2e1b7d4058a6e2c9b1d7f3a5e8c"

// apiEnv is validEnv with the API on at addr and extra settings.
func apiEnv(t *testing.T, addr string, set map[string]string) map[string]string {
	t.Helper()
	api := map[string]string{"KEYSYNC_API_ADDR": addr, "KEYSYNC_API_TOKEN_FILE": MustWriteFile(t, testToken+"\n")}
	maps.Copy(api, set)
	return with(api)
}

// writePair writes a certificate and its key and returns their paths.
func writePair(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	cert, key := testcert.Pair(t, "keysync.example")
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	for path, b := range map[string][]byte{certFile: cert, keyFile: key} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func TestLoad_APIOffByDefault(t *testing.T) {
	c := MustLoad(t, validEnv())
	if c.API.Addr != "" || c.API.Token != "" || c.API.MaxInFlight != 16 {
		t.Errorf("API=%+v, want off with 16 in flight", c.API)
	}
	settings := map[string]Setting{}
	for _, s := range c.Redacted() {
		settings[s.Var] = s
	}
	if s := settings["KEYSYNC_API_MAX_IN_FLIGHT"]; s.Value != "16" || !s.Default {
		t.Errorf("Redacted KEYSYNC_API_MAX_IN_FLIGHT=%+v", s)
	}
	if _, ok := settings["KEYSYNC_API_ADDR"]; !ok {
		t.Error("Redacted lacks KEYSYNC_API_ADDR")
	}
}

func TestLoad_APIOnLoopback(t *testing.T) {
	env := apiEnv(t, "127.0.0.1:9465", map[string]string{"KEYSYNC_API_MAX_IN_FLIGHT": "4"})
	c := MustLoad(t, env)
	if c.API.Addr != "127.0.0.1:9465" || c.API.Token != testToken || c.API.Certificate != nil || c.API.MaxInFlight != 4 {
		t.Fatalf("API=%+v", c.API)
	}
	for _, s := range c.Redacted() {
		if strings.Contains(s.Value, testToken) {
			t.Errorf("Redacted shows the token in %s", s.Var)
		}
	}
}

func TestLoad_APIWithTLS(t *testing.T) {
	certFile, keyFile := writePair(t)
	c := MustLoad(t, apiEnv(t, "0.0.0.0:9465", map[string]string{"KEYSYNC_API_TLS_CERT_FILE": certFile, "KEYSYNC_API_TLS_KEY_FILE": keyFile}))
	if c.API.Certificate == nil || c.API.TLSCertFile != certFile {
		t.Fatalf("API=%+v, want the certificate loaded", c.API)
	}
}

func TestLoad_APIBadValues(t *testing.T) {
	certFile, keyFile := writePair(t)
	otherCert, _ := writePair(t)
	for _, tc := range []struct {
		name        string
		addr        string
		set         map[string]string
		wantVar     string
		wantValue   string
		wantReasons string
	}{
		{"beyond loopback without TLS", "0.0.0.0:9465", nil, "KEYSYNC_API_ADDR", "0.0.0.0:9465", "without TLS"},
		{"all interfaces without TLS", ":9465", nil, "KEYSYNC_API_ADDR", ":9465", "without TLS"},
		{"no port", "127.0.0.1", nil, "KEYSYNC_API_ADDR", "127.0.0.1", "must be host:port"},
		{"same as the monitoring address", "127.0.0.1:9464", map[string]string{"KEYSYNC_HTTP_ADDR": "127.0.0.1:9464"}, "KEYSYNC_API_ADDR", "127.0.0.1:9464", "KEYSYNC_HTTP_ADDR"},
		{"no token file", "127.0.0.1:9465", map[string]string{"KEYSYNC_API_TOKEN_FILE": unset}, "KEYSYNC_API_TOKEN_FILE", "", "required"},
		{"short token", "127.0.0.1:9465", map[string]string{"KEYSYNC_API_TOKEN_FILE": MustWriteFile(t, "geheim")}, "KEYSYNC_API_TOKEN_FILE", "", "6 characters"},
		{"token with a space", "127.0.0.1:9465", map[string]string{"KEYSYNC_API_TOKEN_FILE": MustWriteFile(t, testToken[:20]+" "+testToken[20:])}, "KEYSYNC_API_TOKEN_FILE", "", "space"},
		{"token file a directory", "127.0.0.1:9465", map[string]string{"KEYSYNC_API_TOKEN_FILE": t.TempDir()}, "KEYSYNC_API_TOKEN_FILE", "", "directory"},
		{"in flight 0", "127.0.0.1:9465", map[string]string{"KEYSYNC_API_MAX_IN_FLIGHT": "0"}, "KEYSYNC_API_MAX_IN_FLIGHT", "0", "between 1 and 1000"},
		{"certificate without key", "127.0.0.1:9465", map[string]string{"KEYSYNC_API_TLS_CERT_FILE": certFile}, "KEYSYNC_API_TLS_KEY_FILE", "", "required together"},
		{"key of another certificate", "0.0.0.0:9465", map[string]string{"KEYSYNC_API_TLS_CERT_FILE": otherCert, "KEYSYNC_API_TLS_KEY_FILE": keyFile}, "KEYSYNC_API_TLS_KEY_FILE", keyFile, "does not match"},
		{"key as certificate", "0.0.0.0:9465", map[string]string{"KEYSYNC_API_TLS_CERT_FILE": keyFile, "KEYSYNC_API_TLS_KEY_FILE": keyFile}, "KEYSYNC_API_TLS_CERT_FILE", keyFile, "no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := MustFail(t, apiEnv(t, tc.addr, tc.set))
			if len(errs) != 1 || errs[0].Var != tc.wantVar || !strings.Contains(errs[0].Reason, tc.wantReasons) ||
				tc.wantValue != "" && errs[0].Value != tc.wantValue {
				t.Fatalf("errors %+v, want one for %s=%q with %q", errs, tc.wantVar, tc.wantValue, tc.wantReasons)
			}
			for _, e := range errs {
				if strings.Contains(e.Error(), testToken[:20]) || strings.Contains(e.Error(), "PRIVATE KEY") {
					t.Errorf("error shows a secret: %v", e)
				}
			}
		})
	}
}

func TestLoad_APISettingsWhileOff(t *testing.T) {
	c := MustLoad(t, with(map[string]string{"KEYSYNC_API_TOKEN_FILE": MustWriteFile(t, testToken)}))
	if c.API.Token != "" || !slices.ContainsFunc(c.Warnings, func(w string) bool {
		return strings.Contains(w, "KEYSYNC_API_TOKEN_FILE is set, but KEYSYNC_API_ADDR is empty")
	}) {
		t.Errorf("token %q, warnings %q: want the token unread and a warning", c.API.Token, c.Warnings)
	}
}

func TestLoad_APITokenFileExposed(t *testing.T) {
	path := MustWriteFile(t, testToken)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	c := MustLoad(t, apiEnv(t, "127.0.0.1:9465", map[string]string{"KEYSYNC_API_TOKEN_FILE": path}))
	if !slices.ContainsFunc(c.Warnings, func(w string) bool {
		return strings.Contains(w, "KEYSYNC_API_TOKEN_FILE="+path+" is readable by every user")
	}) {
		t.Errorf("warnings %q, want one about the readable token file", c.Warnings)
	}
}
