package sqlutil

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// TestRegisterCA: the CA file becomes tls=keysync, verifying the server's
// name against exactly that CA.
func TestRegisterCA(t *testing.T) {
	dir := t.TempDir()
	if err := RegisterCA(filepath.Join(dir, "missing.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RegisterCA(junk); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("junk: %v", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RegisterCA(ca); err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN("keysync:pw@tcp(db.example:3306)/central?tls=" + TLSConfigName)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	want := x509.NewCertPool()
	want.AddCert(cert)
	if cfg.TLS == nil || cfg.TLS.InsecureSkipVerify || cfg.TLS.ServerName != "db.example" || !cfg.TLS.RootCAs.Equal(want) {
		t.Errorf("tls=keysync gives %+v", cfg.TLS)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:3306": true, "127.1.2.3": true, "localhost:3306": true, "LOCALHOST": true, "[::1]:3306": true,
		"10.0.0.1:3306": false, "db.example:3306": false, ":9464": false, "0.0.0.0:9464": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v", addr, got)
		}
	}
}
