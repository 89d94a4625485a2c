package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoad_PEMFilesAreNeverWaitedOn: the CA, certificate and key files are
// read like the DSN files: a FIFO named by mistake is refused at once (it
// used to block Load, and with it `keysync config`, until a writer came),
// and so is a file far larger than any PEM file keysync needs.
func TestLoad_PEMFilesAreNeverWaitedOn(t *testing.T) {
	certFile, keyFile := writePair(t)
	for _, variable := range []string{"KEYSYNC_TLS_CA_FILE", "KEYSYNC_API_TLS_CERT_FILE", "KEYSYNC_API_TLS_KEY_FILE"} {
		t.Run(variable, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "file.pem")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			set := map[string]string{"KEYSYNC_API_TLS_CERT_FILE": certFile, "KEYSYNC_API_TLS_KEY_FILE": keyFile}
			set[variable] = fifo
			MustEnv(t, apiEnv(t, "0.0.0.0:9465", set))
			done := make(chan error, 1)
			go func() {
				_, err := Load()
				done <- err
			}()
			select {
			case err := <-done:
				e := findError(configErrors(t, err), variable)
				if e == nil || e.Value != fifo || !strings.Contains(e.Reason, "not a regular file (a FIFO)") {
					t.Fatalf("error=%v, want one naming %s and saying the file is a FIFO", err, variable)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("Load blocks on a FIFO as %s", variable)
			}

			big := filepath.Join(t.TempDir(), "big.pem")
			if err := os.WriteFile(big, make([]byte, maxPEMFile+1), 0o600); err != nil {
				t.Fatal(err)
			}
			set[variable] = big
			e := findError(MustFail(t, apiEnv(t, "0.0.0.0:9465", set)), variable)
			if e == nil || !strings.Contains(e.Reason, "more than a PEM file of certificates or a key ever needs") {
				t.Fatalf("error=%v, want one about the size", e)
			}
		})
	}
}

// TestLoad_KeyFilePermissions: the API's private key draws the warning a
// DSN file does when others can read it; the certificate, which is no
// secret, draws none.
func TestLoad_KeyFilePermissions(t *testing.T) {
	certFile, keyFile := writePair(t)
	for _, path := range []string{certFile, keyFile} {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := MustLoad(t, apiEnv(t, "0.0.0.0:9465", map[string]string{"KEYSYNC_API_TLS_CERT_FILE": certFile, "KEYSYNC_API_TLS_KEY_FILE": keyFile}))
	var got []string
	for _, w := range c.Warnings {
		if strings.Contains(w, "readable by every user") {
			got = append(got, w)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "KEYSYNC_API_TLS_KEY_FILE="+keyFile) {
		t.Errorf("warnings %q, want one about the key file only", got)
	}
}
