// Go client of the key log end-to-end test: go run keylog_client.go PORT SERVERNAME CA_FILE KEYLOG_FILE
//
// One crypto/tls handshake to 127.0.0.1:PORT writing its key log through tls.Config.KeyLogWriter.
// Go's client sends its alert under the handshake keys when it rejects the server's certificate
// (unlike OpenSSL, which sends it in clear), so this is the client whose TLS 1.3 rejection is
// only readable with the key log. Exit 0 when the handshake succeeded, 1 otherwise.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Println("usage: keylog_client PORT SERVERNAME CA_FILE KEYLOG_FILE")
		os.Exit(2)
	}
	port, _ := strconv.Atoi(os.Args[1])
	pem, err := os.ReadFile(os.Args[3])
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	keylog, err := os.OpenFile(os.Args[4], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	defer keylog.Close()
	cfg := &tls.Config{RootCAs: roots, ServerName: os.Args[2], KeyLogWriter: keylog, MinVersion: tls.VersionTLS13}
	conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port), cfg)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Println("ok", tls.CipherSuiteName(conn.ConnectionState().CipherSuite))
	conn.Close()
}
