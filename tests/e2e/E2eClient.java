// Java side of the end-to-end test: java E2eClient.java CA.pem ATTEMPTS.tsv
//
// One SSLSocket handshake per attempt with the default trust manager over a key store that holds
// only the test root, endpoint identification "HTTPS" (what HttpsURLConnection and HttpClient use),
// SNI = the name asked for (none when dialling 127.0.0.1). Attempts: "case<TAB>port<TAB>servername"
// lines (servername may be empty). A key store path of "-" keeps Java's default trust instead.
// One JSON line per attempt; `code` is the exception class, `causes`
// the classes of its causes, outermost first.
import java.io.*;
import java.net.*;
import java.nio.file.*;
import java.security.KeyStore;
import java.security.cert.*;
import java.util.*;
import javax.net.ssl.*;

public class E2eClient {
	static String esc(String s) {
		if (s == null)
			return "null";
		StringBuilder b = new StringBuilder("\"");
		for (char c : s.toCharArray()) {
			if (c == '"' || c == '\\')
				b.append('\\').append(c);
			else if (c < 0x20)
				b.append(String.format("\\u%04x", (int) c));
			else
				b.append(c);
		}
		return b.append('"').toString();
	}

	public static void main(String[] args) throws Exception {
		SSLContext ctx;
		if (args[0].equals("-")) {
			// "-": Java's own default trust (cacerts, or -Djavax.net.ssl.trustStore), as an application gets it
			ctx = SSLContext.getDefault();
		} else {
			KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
			ks.load(null, null);
			try (InputStream in = new FileInputStream(args[0])) {
				int i = 0;
				for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in))
					ks.setCertificateEntry("root" + i++, c);
			}
			TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			tmf.init(ks);
			ctx = SSLContext.getInstance("TLS");
			ctx.init(null, tmf.getTrustManagers(), null);
		}
		SSLSocketFactory f = ctx.getSocketFactory();

		for (String line : Files.readAllLines(Paths.get(args[1]))) {
			if (line.isEmpty())
				continue;
			String[] p = line.split("\t", -1);
			String cs = p[0], name = p[2];
			int port = Integer.parseInt(p[1]);
			Integer local = null;
			String code = null, msg = null, causes = "";
			try (Socket raw = new Socket()) {
				raw.connect(new InetSocketAddress("127.0.0.1", port), 10000);
				raw.setSoTimeout(10000);
				local = raw.getLocalPort();
				String peer = name.isEmpty() ? "127.0.0.1" : name;
				try (SSLSocket s = (SSLSocket) f.createSocket(raw, peer, port, true)) {
					SSLParameters sp = s.getSSLParameters();
					sp.setEndpointIdentificationAlgorithm("HTTPS");
					if (name.isEmpty())
						sp.setServerNames(Collections.emptyList());
					else
						sp.setServerNames(List.of(new SNIHostName(name)));
					s.setSSLParameters(sp);
					s.startHandshake();
					// Behave like a real HTTPS client: one request, read the answer, close.
					try {
						s.getOutputStream().write(("GET / HTTP/1.0\r\nHost: " + peer + "\r\n\r\n").getBytes("US-ASCII"));
						s.getOutputStream().flush();
						InputStream in = s.getInputStream();
						byte[] buf = new byte[4096];
						while (in.read(buf) >= 0)
							;
					} catch (IOException after) {
						// the handshake succeeded; what follows is not the point
					}
				}
			} catch (Exception e) {
				code = e.getClass().getName();
				msg = e.getMessage();
				StringBuilder cb = new StringBuilder();
				for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause())
					cb.append(cb.length() > 0 ? "," : "").append(esc(t.getClass().getName() + ": " + t.getMessage()));
				causes = cb.toString();
			}
			System.out.println("{\"case\":" + esc(cs) + ",\"client\":\"java\",\"port\":" + port + ",\"local_port\":" + local
					   + ",\"ok\":" + (code == null) + ",\"code\":" + esc(code) + ",\"message\":" + esc(msg)
					   + ",\"causes\":[" + causes + "]}");
		}
	}
}
