package dev.ferry.registry.client.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** TLS contexts that trust the system's CAs plus extra ones from PEM files ({@code --ca-cert}). Stateless. */
public final class Tls {
  private Tls() {}

  /** A context trusting the JDK's default CAs and every certificate in {@code pemFiles}. */
  public static SSLContext withExtraCas(List<Path> pemFiles) throws IOException {
    try {
      X509TrustManager system = trustManager(null);
      KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
      extra.load(null, null);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int i = 0;
      for (Path pem : pemFiles) {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(pem)) {
          certs = cf.generateCertificates(in);
        } catch (CertificateException e) {
          throw new IOException("--ca-cert " + pem + " is not a PEM certificate file: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
          throw new IOException("--ca-cert " + pem + " holds no certificate");
        }
        for (Certificate c : certs) {
          extra.setCertificateEntry("extra-" + i++, c);
        }
      }
      X509TrustManager added = trustManager(extra);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new Either(system, added)}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS with the extra CA certificates: " + e.getMessage(), e);
    }
  }

  private static X509TrustManager trustManager(KeyStore ks) throws GeneralSecurityException {
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(ks);
    for (TrustManager tm : f.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 trust manager");
  }

  /**
   * A context that sets itself up from {@code make} when a TLS connection first needs it. Building an
   * {@link java.net.http.HttpClient} asks for its context and default parameters at once, and setting up the JDK's
   * TLS (its handshake classes, the system trust store) took ~0.3 s of a CLI run here, spent for nothing when the
   * registry is plain HTTP on loopback. Give the client {@link javax.net.ssl.SSLParameters} of its own as well (an
   * empty one keeps the engine's defaults), or it asks this context for them at once.
   */
  public static SSLContext lazy(java.util.concurrent.Callable<SSLContext> make) {
    return new SSLContext(new LazySpi(make), LAZY_PROVIDER, "TLS") {};
  }

  private static final java.security.Provider LAZY_PROVIDER =
      new java.security.Provider("FerryLazyTLS", "1", "TLS set up on first use; delegates to the JDK's") {};

  /** Delegates every call to the context made on the first one. Thread-safe. */
  private static final class LazySpi extends javax.net.ssl.SSLContextSpi {
    private final java.util.concurrent.Callable<SSLContext> make;
    private volatile SSLContext real;

    LazySpi(java.util.concurrent.Callable<SSLContext> make) {
      this.make = make;
    }

    private SSLContext real() {
      SSLContext r = real;
      if (r == null) {
        synchronized (this) {
          r = real;
          if (r == null) {
            try {
              real = r = make.call();
            } catch (Exception e) {
              throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
            }
          }
        }
      }
      return r;
    }

    @Override
    protected void engineInit(
        javax.net.ssl.KeyManager[] km, TrustManager[] tm, java.security.SecureRandom sr) {
      throw new UnsupportedOperationException("a lazy TLS context is set up by its factory, not by init()");
    }

    @Override
    protected javax.net.ssl.SSLSocketFactory engineGetSocketFactory() {
      return real().getSocketFactory();
    }

    @Override
    protected javax.net.ssl.SSLServerSocketFactory engineGetServerSocketFactory() {
      return real().getServerSocketFactory();
    }

    @Override
    protected javax.net.ssl.SSLEngine engineCreateSSLEngine() {
      return real().createSSLEngine();
    }

    @Override
    protected javax.net.ssl.SSLEngine engineCreateSSLEngine(String host, int port) {
      return real().createSSLEngine(host, port);
    }

    @Override
    protected javax.net.ssl.SSLSessionContext engineGetServerSessionContext() {
      return real().getServerSessionContext();
    }

    @Override
    protected javax.net.ssl.SSLSessionContext engineGetClientSessionContext() {
      return real().getClientSessionContext();
    }

    @Override
    protected javax.net.ssl.SSLParameters engineGetDefaultSSLParameters() {
      return real().getDefaultSSLParameters();
    }

    @Override
    protected javax.net.ssl.SSLParameters engineGetSupportedSSLParameters() {
      return real().getSupportedSSLParameters();
    }
  }

  /** Trusts a chain when either manager does. Thread-safe. */
  private record Either(X509TrustManager first, X509TrustManager second) implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        first.checkClientTrusted(chain, authType);
      } catch (CertificateException e) {
        second.checkClientTrusted(chain, authType);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        first.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        second.checkServerTrusted(chain, authType);
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
      all.addAll(List.of(second.getAcceptedIssuers()));
      return all.toArray(new X509Certificate[0]);
    }
  }
}
