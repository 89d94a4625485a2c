package config

import (
	"errors"
	"net"
	"strconv"

	"keysync/internal/sqlutil"
)

// checkHTTPAddr checks KEYSYNC_HTTP_ADDR: empty (off) or host:port with a
// numeric port, the form net.Listen takes.
func checkHTTPAddr(addr string) error {
	return checkListenAddr(varHTTPAddr, addr, "127.0.0.1:9464")
}

// checkListenAddr checks an address the daemon listens on, named by the
// variable name: empty (off) or host:port with a numeric port.
func checkListenAddr(name, addr, example string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &Error{Var: name, Value: addr, Reason: "must be host:port, e.g. " + example}
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return &Error{Var: name, Value: addr, Reason: "the port must be a number from 1 to 65535"}
	}
	return nil
}

// httpWarnings warns when /healthz and /metrics are reachable from other
// hosts: they show source names and counts, and take no password.
func httpWarnings(addr string) []string {
	if addr == "" || checkHTTPAddr(addr) != nil {
		return nil
	}
	if sqlutil.IsLoopback(addr) {
		return nil
	}
	return []string{varHTTPAddr + "=" + addr + " listens beyond this host: anyone who reaches it reads /metrics; prefer 127.0.0.1:<port> and a scraper on the same host or a reverse proxy"}
}

// registerCA registers the CA of KEYSYNC_TLS_CA_FILE with the driver. Load
// runs it before parsing any DSN, because the driver resolves tls=keysync
// while parsing.
func registerCA(path string) error {
	if path == "" {
		return nil
	}
	pemBytes, _, err := readPEM(varTLSCAFile, path)
	if err != nil {
		return err
	}
	err = sqlutil.RegisterCAPEM(pemBytes)
	switch {
	case errors.Is(err, sqlutil.ErrNoCertificate):
		return &Error{Var: varTLSCAFile, Value: path, Reason: "the file holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)"}
	case err != nil:
		return &Error{Var: varTLSCAFile, Value: path, Reason: err.Error()}
	}
	return nil
}
