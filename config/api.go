package config

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io/fs"
	"strconv"

	"keysync/internal/sqlutil"
)

// API configures the registration API that portals call when a member
// registers (KEYSYNC_API_*). It is off when Addr is empty.
type API struct {
	Addr      string
	TokenFile string
	// Token is the bearer token read from TokenFile. It is a secret:
	// Redacted and every message leave it out.
	Token string
	// TLSCertFile and TLSKeyFile name the pair the API serves HTTPS with,
	// loaded into Certificate; both empty for plain HTTP on loopback.
	TLSCertFile, TLSKeyFile string
	Certificate             *tls.Certificate
	// MaxInFlight is how many requests are worked on at once.
	MaxInFlight int
}

// Limits of the API's settings.
const (
	// minTokenLen keeps tokens out of guessing range: 32 hex characters
	// are 128 bits.
	minTokenLen    = 32
	maxAPIInFlight = 1000
)

// apiVars are the API's variables as envconfig read them.
type apiVars struct {
	addr, tokenFile, certFile, keyFile string
	maxInFlight                        int
}

// loadAPI checks the API's settings and reads its token and certificate.
// httpAddr is KEYSYNC_HTTP_ADDR, which the API must not share. It returns
// every problem, and warnings about settings that have no effect.
func loadAPI(v apiVars, httpAddr string) (API, []error, []string) {
	a := API{Addr: v.addr, TokenFile: v.tokenFile, TLSCertFile: v.certFile, TLSKeyFile: v.keyFile, MaxInFlight: v.maxInFlight}
	if a.Addr == "" {
		return a, nil, unusedAPIVars(v)
	}
	var errs []error
	var warnings []string
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkListenAddr(varAPIAddr, a.Addr, "127.0.0.1:9465"))
	if a.Addr == httpAddr {
		add(&Error{Var: varAPIAddr, Value: a.Addr, Reason: "is also " + varHTTPAddr + "; give the API an address of its own"})
	}
	if a.MaxInFlight < 1 || a.MaxInFlight > maxAPIInFlight {
		add(&Error{Var: varAPIMaxInFlight, Value: strconv.Itoa(a.MaxInFlight), Reason: fmt.Sprintf("must be between 1 and %d", maxAPIInFlight)})
	}
	token, warning, err := readToken(a.TokenFile)
	add(err)
	a.Token, warnings = token, nonEmpty(warnings, warning)
	cert, warning, err := loadCertificate(a.TLSCertFile, a.TLSKeyFile)
	add(err)
	a.Certificate, warnings = cert, nonEmpty(warnings, warning)
	if cert == nil && a.TLSCertFile == "" && a.TLSKeyFile == "" && checkListenAddr(varAPIAddr, a.Addr, "") == nil && !sqlutil.IsLoopback(a.Addr) {
		add(&Error{Var: varAPIAddr, Value: a.Addr, Reason: "listens beyond this host without TLS, and the token would cross the network in clear text: " +
			"use 127.0.0.1:<port>, or set " + varAPITLSCertFile + " and " + varAPITLSKeyFile})
	}
	return a, errs, warnings
}

// unusedAPIVars warns about API settings given while the API is off.
func unusedAPIVars(v apiVars) []string {
	var warnings []string
	for _, s := range []struct{ name, value string }{{varAPITokenFile, v.tokenFile}, {varAPITLSCertFile, v.certFile}, {varAPITLSKeyFile, v.keyFile}} {
		if s.value != "" {
			warnings = append(warnings, s.name+" is set, but "+varAPIAddr+" is empty: the registration API is off")
		}
	}
	return warnings
}

// readToken reads the bearer token from its file. Errors describe the
// token, never show it.
func readToken(path string) (token, warning string, err error) {
	if path == "" {
		return "", "", &Error{Var: varAPITokenFile, Reason: "required when " + varAPIAddr + " is set: a file holding the token, e.g. (umask 027; openssl rand -hex 32 > /etc/keysync/api.token)"}
	}
	token, warning, err = readSecret(varAPITokenFile, path)
	if err != nil {
		return "", "", err
	}
	for i := 0; i < len(token); i++ {
		if token[i] <= ' ' || token[i] > '~' {
			return "", "", &Error{Var: varAPITokenFile, Value: path, Reason: "the token holds a space, a control character or a non-ASCII character; it goes into an HTTP header: use printable ASCII, e.g. openssl rand -hex 32"}
		}
	}
	if len(token) < minTokenLen {
		return "", "", &Error{Var: varAPITokenFile, Value: path, Reason: fmt.Sprintf("the token has %d characters, fewer than %d: generate one with openssl rand -hex 32", len(token), minTokenLen)}
	}
	return token, warning, nil
}

// loadCertificate loads the API's TLS pair; nil when neither file is
// given. Errors name the file at fault and never show the key; warning is
// non-empty when others can read the key file.
func loadCertificate(certFile, keyFile string) (pair *tls.Certificate, warning string, err error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, "", nil
	case certFile == "":
		return nil, "", &Error{Var: varAPITLSCertFile, Reason: "required together with " + varAPITLSKeyFile}
	case keyFile == "":
		return nil, "", &Error{Var: varAPITLSKeyFile, Reason: "required together with " + varAPITLSCertFile}
	}
	certPEM, _, err := readPEM(varAPITLSCertFile, certFile)
	if err != nil {
		return nil, "", err
	}
	if b, _ := pem.Decode(certPEM); b == nil || b.Type != "CERTIFICATE" {
		return nil, "", &Error{Var: varAPITLSCertFile, Value: certFile, Reason: "the file holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)"}
	}
	keyPEM, st, err := readPEM(varAPITLSKeyFile, keyFile)
	if err != nil {
		return nil, "", err
	}
	p, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, "", &Error{Var: varAPITLSKeyFile, Value: keyFile, Reason: "no private key of the certificate in " + varAPITLSCertFile + ": " + err.Error()}
	}
	return &p, exposure(varAPITLSKeyFile, keyFile, st), nil
}

// maxPEMFile is the largest certificate, CA or key file keysync reads: a
// bundle of every public CA is about 200 KiB.
const maxPEMFile = 1 << 20

// readPEM reads a certificate, CA or key file as readStartFile does.
func readPEM(fileVar, path string) ([]byte, fs.FileInfo, error) {
	return readStartFile(fileVar, path, maxPEMFile, "a PEM file of certificates or a key")
}
