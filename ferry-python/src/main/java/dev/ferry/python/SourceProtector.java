package dev.ferry.python;

import dev.ferry.oci.io.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Protects Python source for delivery: chosen modules are encrypted with AES-256-GCM under a fresh per-build data
 * key (each file with its own nonce, its path as associated data, so files cannot be swapped), the data key is
 * wrapped with RSA-OAEP (SHA-256, MGF1-SHA-256) for the customer's public key, and a small loader
 * ({@code _ferry_loader.py}) decrypts in memory at run time. Top-level modules, top-level packages'
 * {@code __init__.py} and named entry scripts keep a plaintext stub that runs their encrypted body, so
 * {@code python main.py}, {@code python setup.py}, {@code import x} and {@code python -m x} all work. Compiled
 * bytecode ({@code .pyc}, {@code __pycache__}) of the input is never copied. Stateless; thread-safe.
 */
public final class SourceProtector {
  static final byte[] MAGIC = "FERRYPE1".getBytes(StandardCharsets.US_ASCII);
  static final String AAD = "ferry-protect-v1:";
  public static final String LOADER = "_ferry_loader.py";
  public static final String METADATA = "_ferry_protected.json";

  private final SecureRandom random = new SecureRandom();

  /** What to protect. Globs are matched against paths relative to {@code source} ({@code glob:} syntax). */
  public record Request(Path source, Path output, PublicKey key, List<String> include, List<String> exclude,
      List<String> entries) {
    public Request {
      include = List.copyOf(include.isEmpty() ? List.of("**.py") : include);
      exclude = List.copyOf(exclude);
      entries = List.copyOf(entries);
    }
  }

  /** Paths (relative) that were encrypted, that got a plaintext stub, and that were copied as they are. */
  public record Result(List<String> encrypted, List<String> stubs, List<String> copied, String keyId) {}

  /** Reads an RSA public key in PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
  public static PublicKey readPublicKey(Path pem) throws IOException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    if (text.contains("PRIVATE KEY")) {
      throw new WheelException(pem + " is a private key; give the customer's public key (openssl pkey -in KEY -pubout)");
    }
    int b = text.indexOf("-----BEGIN PUBLIC KEY-----");
    int e = text.indexOf("-----END PUBLIC KEY-----");
    if (b < 0 || e < b) {
      throw new WheelException(pem + " is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    byte[] der = Base64.getMimeDecoder().decode(text.substring(b + 26, e));
    try {
      PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
      if (((RSAPublicKey) k).getModulus().bitLength() < 2048) {
        throw new WheelException(pem + ": RSA keys shorter than 2048 bits are refused");
      }
      return k;
    } catch (GeneralSecurityException ex) {
      throw new WheelException(pem + " is not an RSA public key (" + ex.getMessage() + ")", ex);
    }
  }

  /** {@code sha256:} of the public key's DER encoding: names the key a build needs, in messages. */
  public static String keyId(PublicKey k) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(k.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  public Result protect(Request r) throws IOException {
    Path src = r.source().toAbsolutePath().normalize();
    Path out = r.output().toAbsolutePath().normalize();
    if (!Files.isDirectory(src)) {
      throw new WheelException("source " + r.source() + " is not a directory");
    }
    if (out.startsWith(src) || src.startsWith(out)) {
      throw new WheelException("output " + r.output() + " must be outside the source " + r.source());
    }
    if (Files.exists(out)) {
      try (Stream<Path> s = Files.list(out)) {
        if (s.findAny().isPresent()) {
          throw new WheelException("output " + r.output() + " exists and is not empty; give a new directory");
        }
      }
    }
    List<PathMatcher> inc = matchers(r.include());
    List<PathMatcher> exc = matchers(r.exclude());
    Set<String> entries = Set.copyOf(r.entries());
    for (String e : entries) {
      if (!Files.isRegularFile(src.resolve(e))) {
        throw new WheelException("entry script " + e + " is not a file in " + r.source());
      }
    }
    byte[] dataKey = new byte[32];
    random.nextBytes(dataKey);
    String keyId = keyId(r.key());
    Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp-protect");
    Trees.delete(tmp);
    Files.createDirectories(tmp);
    List<String> encrypted = new ArrayList<>();
    List<String> stubs = new ArrayList<>();
    List<String> copied = new ArrayList<>();
    try {
      List<Path> files;
      try (Stream<Path> s = Files.walk(src)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      for (Path f : files) {
        Path rel = src.relativize(f);
        String relS = rel.toString().replace('\\', '/');
        if (relS.contains("__pycache__/") || relS.endsWith(".pyc") || relS.endsWith(".pyo")) {
          continue; // bytecode of the plaintext would give the source away
        }
        if (relS.equals(LOADER) || relS.equals(METADATA)) {
          throw new WheelException(relS + " in the source is already protected output; protect the original tree");
        }
        Path dest = tmp.resolve(rel.toString());
        Files.createDirectories(dest.getParent());
        boolean protect = relS.endsWith(".py") && inc.stream().anyMatch(m -> m.matches(rel))
            && exc.stream().noneMatch(m -> m.matches(rel));
        if (!protect) {
          Files.copy(f, dest);
          copied.add(relS);
          continue;
        }
        byte[] plain = Files.readAllBytes(f);
        Files.write(tmp.resolve(relS + "e"), seal(dataKey, relS + "e", plain));
        encrypted.add(relS);
        int depth = rel.getNameCount() - 1;
        boolean topModule = depth == 0;
        boolean topPackage = depth == 1 && rel.getFileName().toString().equals("__init__.py");
        if (topModule || topPackage || entries.contains(relS)) {
          Files.writeString(dest, stub(depth));
          stubs.add(relS);
        }
      }
      try (InputStream in = SourceProtector.class.getResourceAsStream(LOADER)) {
        Files.copy(in, tmp.resolve(LOADER));
      }
      Files.writeString(tmp.resolve(METADATA), "{\"version\": 1, \"cipher\": \"AES-256-GCM\", \"wrap\": "
          + "\"RSA-OAEP-SHA256\", \"key_id\": \"" + keyId + "\", \"wrapped_key\": \""
          + Base64.getEncoder().encodeToString(wrap(r.key(), dataKey)) + "\"}\n");
      if (Files.exists(out)) {
        Files.delete(out);
      }
      Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      java.util.Arrays.fill(dataKey, (byte) 0);
      Trees.delete(tmp);
    }
    return new Result(encrypted, stubs, copied, keyId);
  }

  private static List<PathMatcher> matchers(List<String> globs) {
    List<PathMatcher> out = new ArrayList<>();
    for (String g : globs) {
      out.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
      if (g.startsWith("**/")) {
        // "**/x.py" also matches x.py at the top, as users expect
        out.add(FileSystems.getDefault().getPathMatcher("glob:" + g.substring(3)));
      }
    }
    return out;
  }

  /** MAGIC, 12-byte nonce, AES-256-GCM ciphertext with its 16-byte tag; the path is the associated data. */
  private byte[] seal(byte[] key, String rel, byte[] plain) throws IOException {
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD((AAD + rel).getBytes(StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(plain);
      byte[] out = new byte[MAGIC.length + nonce.length + sealed.length];
      System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
      System.arraycopy(nonce, 0, out, MAGIC.length, nonce.length);
      System.arraycopy(sealed, 0, out, MAGIC.length + nonce.length, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IOException("AES-256-GCM is not available in this JDK: " + e.getMessage(), e);
    }
  }

  private static byte[] wrap(PublicKey key, byte[] dataKey) throws IOException {
    try {
      Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
      c.init(Cipher.ENCRYPT_MODE, key,
          new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
      return c.doFinal(dataKey);
    } catch (GeneralSecurityException e) {
      throw new IOException("RSA-OAEP is not available in this JDK: " + e.getMessage(), e);
    }
  }

  /** The plaintext stub: loads {@code _ferry_loader.py} from the tree's root by path and runs the encrypted body. */
  static String stub(int depth) {
    String up = "";
    for (int i = 0; i < depth; i++) {
      up += ", \"..\"";
    }
    return "# Protected by Ferry: the body of this file is encrypted (AES-256-GCM); see " + LOADER + ".\n"
        + "import importlib.util as _fu, os as _fo, sys as _fs\n"
        + "if \"_ferry_loader\" not in _fs.modules:\n"
        + "    _fp = _fo.path.join(_fo.path.dirname(_fo.path.abspath(__file__))" + up + ", \"" + LOADER + "\")\n"
        + "    _fspec = _fu.spec_from_file_location(\"_ferry_loader\", _fp)\n"
        + "    _fs.modules[\"_ferry_loader\"] = _fu.module_from_spec(_fspec)\n"
        + "    _fspec.loader.exec_module(_fs.modules[\"_ferry_loader\"])\n"
        + "_fs.modules[\"_ferry_loader\"].exec_body(globals())\n";
  }
}
