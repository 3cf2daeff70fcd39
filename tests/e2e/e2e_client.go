// Go side of the end-to-end test: go run e2e_client.go ATTEMPTS.json
//
// One crypto/tls handshake per attempt (default Config, RootCAs = the test root, ServerName = the
// name asked for, or 127.0.0.1 when the client dials the IP: Go then sends no SNI and checks IP SANs).
// One JSON line per attempt. `code` is the most telling type in the error chain, written as Go
// spells it: x509.HostnameError, x509.UnknownAuthorityError, x509.CertificateInvalidError,
// syscall.ECONNRESET, io.EOF, tls.alert (Go < 1.21; tls.AlertError from 1.21 on).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

type attempt struct {
	Case       string `json:"case"`
	Port       int    `json:"port"`
	Servername string `json:"servername"`
}

type config struct {
	CA       string    `json:"ca"`
	Attempts []attempt `json:"attempts"`
}

type result struct {
	Case      string  `json:"case"`
	Client    string  `json:"client"`
	Port      int     `json:"port"`
	LocalPort *int    `json:"local_port"`
	OK        bool    `json:"ok"`
	Code      *string `json:"code"`
	Message   *string `json:"message"`
}

func classify(err error) string {
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var insecure x509.InsecureAlgorithmError
	var errno syscall.Errno
	switch {
	case errors.As(err, &host):
		return "x509.HostnameError"
	case errors.As(err, &unknown):
		return "x509.UnknownAuthorityError"
	case errors.As(err, &invalid):
		return "x509.CertificateInvalidError"
	case errors.As(err, &insecure):
		return "x509.InsecureAlgorithmError"
	case errors.Is(err, syscall.ECONNRESET):
		return "syscall.ECONNRESET"
	case errors.As(err, &errno):
		return fmt.Sprintf("syscall.Errno(%d)", int(errno))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "io.EOF"
	}
	// tls.alert is unexported before Go 1.21: find it by its type name.
	for e := err; e != nil; e = errors.Unwrap(e) {
		if t := fmt.Sprintf("%T", e); t == "tls.alert" || t == "tls.AlertError" {
			return t
		}
	}
	return fmt.Sprintf("%T", err)
}

func run(a attempt, pool *x509.CertPool) result {
	r := result{Case: a.Case, Client: "go", Port: a.Port}
	fail := func(err error) result {
		c, m := classify(err), err.Error()
		r.Code, r.Message = &c, &m
		return r
	}
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", a.Port), 10*time.Second)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	lp := conn.LocalAddr().(*net.TCPAddr).Port
	r.LocalPort = &lp
	name := a.Servername
	if name == "" {
		name = "127.0.0.1"
	}
	tc := tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: name})
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		return fail(err)
	}
	// Behave like a real HTTPS client: one request, read the answer (its errors do not matter), close.
	fmt.Fprintf(tc, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", name)
	io.Copy(io.Discard, tc)
	tc.Close()
	r.OK = true
	return r
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pem, err := os.ReadFile(cfg.CA)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	enc := json.NewEncoder(os.Stdout)
	for _, a := range cfg.Attempts {
		enc.Encode(run(a, pool))
	}
}
