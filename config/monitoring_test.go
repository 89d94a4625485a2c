package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoad_HTTPAddr(t *testing.T) {
	for _, tc := range []struct {
		addr, reason string
		warn         bool
	}{
		{addr: ""},
		{addr: "127.0.0.1:9464"},
		{addr: "localhost:9464"},
		{addr: "[::1]:9464"},
		{addr: ":9464", warn: true},
		{addr: "0.0.0.0:9464", warn: true},
		{addr: "9464", reason: "must be host:port"},
		{addr: "127.0.0.1", reason: "must be host:port"},
		{addr: "127.0.0.1:http", reason: "the port must be a number"},
		{addr: "127.0.0.1:0", reason: "the port must be a number"},
		{addr: "127.0.0.1:70000", reason: "the port must be a number"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			env := with(map[string]string{"KEYSYNC_HTTP_ADDR": tc.addr})
			if tc.reason != "" {
				errs := MustFail(t, env)
				if len(errs) != 1 || errs[0].Var != "KEYSYNC_HTTP_ADDR" || errs[0].Value != tc.addr || !strings.Contains(errs[0].Reason, tc.reason) {
					t.Fatalf("errors %+v, want one for KEYSYNC_HTTP_ADDR with %q", errs, tc.reason)
				}
				return
			}
			c := MustLoad(t, env)
			if c.HTTPAddr != tc.addr {
				t.Errorf("HTTPAddr=%q, want %q", c.HTTPAddr, tc.addr)
			}
			warned := slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, "KEYSYNC_HTTP_ADDR") })
			if warned != tc.warn {
				t.Errorf("warnings %q: warned=%v, want %v", c.Warnings, warned, tc.warn)
			}
		})
	}
}

func TestLoad_TLSCAFile(t *testing.T) {
	tlsDSN := "keysync:" + testPassword + "@tcp(db.example:3306)/keysync?tls=keysync"
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.pem")
		errs := MustFail(t, with(map[string]string{"KEYSYNC_TLS_CA_FILE": path}))
		if len(errs) != 1 || errs[0].Var != "KEYSYNC_TLS_CA_FILE" || errs[0].Value != path || !strings.Contains(errs[0].Reason, "no such file") {
			t.Fatalf("errors %+v", errs)
		}
	})
	t.Run("not a certificate", func(t *testing.T) {
		path := MustWriteFile(t, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
		errs := MustFail(t, with(map[string]string{"KEYSYNC_TLS_CA_FILE": path}))
		if len(errs) != 1 || errs[0].Var != "KEYSYNC_TLS_CA_FILE" || !strings.Contains(errs[0].Reason, "no PEM certificate") {
			t.Fatalf("errors %+v", errs)
		}
	})
	t.Run("CA registered for tls=keysync", func(t *testing.T) {
		path := MustWriteFile(t, testCA(t))
		c := MustLoad(t, with(map[string]string{"KEYSYNC_TLS_CA_FILE": path, "KEYSYNC_CENTRAL_DSN": tlsDSN}))
		if c.TLSCAFile != path || c.CentralDSN != tlsDSN {
			t.Errorf("TLSCAFile=%q CentralDSN=%q", c.TLSCAFile, c.CentralDSN)
		}
		settings := map[string]string{}
		for _, s := range c.Redacted() {
			settings[s.Var] = s.Value
		}
		if settings["KEYSYNC_TLS_CA_FILE"] != path || !strings.Contains(settings["KEYSYNC_CENTRAL_DSN"], "tls=keysync") {
			t.Errorf("Redacted: %v", settings)
		}
	})
	t.Run("driver values need no CA", func(t *testing.T) {
		for _, v := range []string{"true", "skip-verify", "preferred", "false"} {
			dsn := strings.Replace(tlsDSN, "tls=keysync", "tls="+v, 1)
			if c := MustLoad(t, with(map[string]string{"KEYSYNC_CENTRAL_DSN": dsn})); c.CentralDSN != dsn {
				t.Errorf("CentralDSN=%q", c.CentralDSN)
			}
		}
	})
}

// testCA returns a self-signed CA certificate in PEM.
func testCA(tb testing.TB) string {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keysync test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
