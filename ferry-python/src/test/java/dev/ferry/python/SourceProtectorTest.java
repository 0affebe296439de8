package dev.ferry.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceProtectorTest {
  @TempDir Path tmp;

  @Test
  void protect_encryptsModulesStubsEntriesDropsBytecode_andPrivateKeyOpensThem() throws Exception {
    Path src = tmp.resolve("src");
    Files.createDirectories(src.resolve("pkg/sub/__pycache__"));
    Files.writeString(src.resolve("main.py"), "print('main')\n");
    Files.writeString(src.resolve("pkg/__init__.py"), "X = 1\n");
    Files.writeString(src.resolve("pkg/sub/tool.py"), "print('tool')\n");
    Files.writeString(src.resolve("pkg/sub/__pycache__/tool.cpython-311.pyc"), "bytecode");
    Files.writeString(src.resolve("pkg/plain.py"), "PLAIN = True\n");
    Files.writeString(src.resolve("README.md"), "readme\n");
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    Path out = tmp.resolve("out");

    SourceProtector.Result r = new SourceProtector().protect(new SourceProtector.Request(src, out, kp.getPublic(),
        List.of(), List.of("pkg/plain.py"), List.of("pkg/sub/tool.py")));

    assertThat(r.encrypted()).containsExactly("main.py", "pkg/__init__.py", "pkg/sub/tool.py");
    assertThat(r.stubs()).containsExactly("main.py", "pkg/__init__.py", "pkg/sub/tool.py");
    assertThat(r.copied()).containsExactly("README.md", "pkg/plain.py");
    assertThat(out.resolve("pkg/sub/__pycache__")).doesNotExist();
    assertThat(Files.readString(out.resolve("pkg/sub/tool.py"))).contains("\"..\", \"..\", \"_ferry_loader.py\"");
    assertThat(out.resolve(SourceProtector.LOADER)).exists();

    // the customer's private key unwraps the data key, which opens each file bound to its path
    String meta = Files.readString(out.resolve(SourceProtector.METADATA));
    String wrapped = meta.replaceAll("(?s).*\"wrapped_key\": \"([^\"]+)\".*", "$1");
    Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
    rsa.init(Cipher.DECRYPT_MODE, kp.getPrivate(), new OAEPParameterSpec("SHA-256", "MGF1",
        java.security.spec.MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    byte[] dataKey = rsa.doFinal(Base64.getDecoder().decode(wrapped));
    byte[] sealed = Files.readAllBytes(out.resolve("pkg/__init__.pye"));
    assertThat(new String(open(dataKey, "pkg/__init__.pye", sealed), StandardCharsets.UTF_8)).isEqualTo("X = 1\n");
    assertThatThrownBy(() -> open(dataKey, "main.pye", sealed)).as("moved to another path").isInstanceOf(Exception.class);
  }

  @Test
  void protect_nonEmptyOutputOrPrivateKey_refused() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("x"), "");
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    assertThatThrownBy(() -> new SourceProtector().protect(
        new SourceProtector.Request(src, out, kp.getPublic(), List.of(), List.of(), List.of())))
        .hasMessageContaining("exists and is not empty");
    Path priv = tmp.resolve("k.pem");
    Files.writeString(priv, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> SourceProtector.readPublicKey(priv)).hasMessageContaining("is a private key");
  }

  private static byte[] open(byte[] key, String rel, byte[] sealed) throws Exception {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, Arrays.copyOfRange(sealed, 8, 20)));
    c.updateAAD(("ferry-protect-v1:" + rel).getBytes(StandardCharsets.UTF_8));
    return c.doFinal(Arrays.copyOfRange(sealed, 20, sealed.length));
  }
}
