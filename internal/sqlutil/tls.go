package sqlutil

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// TLSConfigName is the name under which RegisterCA registers its TLS
// configuration with the driver: a DSN uses it with tls=keysync. The
// driver's own values work as it defines them: tls=true verifies the server
// against the system's CAs, tls=skip-verify encrypts without verifying, and
// tls=preferred encrypts when the server offers it and silently falls back
// to plain text otherwise.
const TLSConfigName = "keysync"

// ErrNoCertificate is returned by RegisterCA for a file without a PEM
// certificate, such as a key or a DER file given by mistake.
var ErrNoCertificate = errors.New("the file holds no PEM certificate")

// RegisterCA registers, under TLSConfigName, a TLS configuration that trusts
// exactly the CA certificates in the PEM file at path and verifies the
// server's host name against them: the setting for databases whose
// certificates a private CA signed. It must run before a DSN naming
// tls=keysync is parsed, because the driver resolves the name while parsing.
func RegisterCA(path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return RegisterCAPEM(pem)
}

// RegisterCAPEM is RegisterCA for the content of such a file.
func RegisterCAPEM(pem []byte) error {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return ErrNoCertificate
	}
	return mysql.RegisterTLSConfig(TLSConfigName, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
}

// Transport is how a DSN reaches its server.
type Transport struct {
	// Addr is host:port, or the socket path for a Unix socket.
	Addr string
	// Local is true for a Unix socket and a loopback address, where traffic
	// never leaves the host and TLS adds nothing.
	Local bool
	// TLS is the DSN's tls parameter as written ("" when it has none).
	TLS string
	// Database is the database the DSN names.
	Database string
	// User is the account name the DSN logs in with.
	User string
}

// ParseTransport reads how dsn reaches its server. Errors never quote the
// DSN, which may hold a password.
func ParseTransport(dsn string) (Transport, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return Transport{}, fmt.Errorf("parse DSN: %w", redactErr(err))
	}
	t := Transport{Addr: cfg.Addr, TLS: cfg.TLSConfig, Database: cfg.DBName, User: cfg.User}
	t.Local = cfg.Net == "unix" || IsLoopback(cfg.Addr)
	return t, nil
}

// IsLoopback reports whether addr (host or host:port) names this host over
// the loopback interface.
func IsLoopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TLSFinding judges a session's encryption: cipher is the session's
// Ssl_cipher status, empty when the connection is plain text.
func TLSFinding(t Transport, cipher, version string) Finding {
	const fix = "enable TLS on the server (ssl_cert and ssl_key in its my.cnf) and add tls=true to the DSN, " +
		"or tls=" + TLSConfigName + " with KEYSYNC_TLS_CA_FILE=/path/to/ca.pem when a private CA signed the server's certificate"
	f := Finding{Check: CheckTLS}
	switch {
	case cipher != "" && t.TLS == "skip-verify":
		f.Status, f.Detail = StatusWarn, fmt.Sprintf("encrypted (%s, %s) but the server's certificate is not verified (tls=skip-verify), so a machine in the middle goes unnoticed", version, cipher)
		f.Fix = "use tls=true, or tls=" + TLSConfigName + " with KEYSYNC_TLS_CA_FILE naming the CA that signed the server's certificate"
	case cipher != "":
		f.Status, f.Detail = StatusOK, fmt.Sprintf("encrypted with %s (%s), tls=%s", cipher, version, t.TLS)
	case t.Local:
		f.Status, f.Detail = StatusOK, "not encrypted, but the connection never leaves this host ("+t.Addr+")"
	case t.TLS == "preferred":
		f.Status, f.Detail = StatusWarn, "not encrypted: tls=preferred fell back to plain text because the server offers no TLS; passwords and member data cross the network readable"
		f.Fix = fix
	default:
		f.Status, f.Detail = StatusWarn, "not encrypted: passwords and member data cross the network to "+t.Addr+" readable"
		f.Fix = fix
	}
	return f
}
