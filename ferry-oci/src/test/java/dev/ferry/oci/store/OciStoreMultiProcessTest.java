package dev.ferry.oci.store;

import static dev.ferry.oci.store.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several JVMs writing one store at once: the OS file lock must serialise their index.json updates. */
class OciStoreMultiProcessTest {
  static final int PROCESSES = 3;
  static final int NAMES_PER_PROCESS = 30;

  @TempDir Path dir;

  @Test
  void tag_threeProcessesAtOnce_allNamesPresent() throws Exception {
    OciStore store = OciStore.open(dir.resolve("store"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> children = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    try {
      for (int p = 0; p < PROCESSES; p++) {
        Process child =
            new ProcessBuilder(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    StoreTaggerMain.class.getName(),
                    store.root().toString(),
                    "p" + p,
                    String.valueOf(NAMES_PER_PROCESS))
                .redirectErrorStream(true)
                .start();
        children.add(child);
        outputs.add(new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)));
      }
      // Release all children only once every one has opened the store, so their writes overlap.
      for (BufferedReader out : outputs) {
        assertThat(out.readLine()).isEqualTo("ready");
      }
      for (Process child : children) {
        OutputStream in = child.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
      for (int p = 0; p < PROCESSES; p++) {
        Process child = children.get(p);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child %d finished", p).isTrue();
        String rest = readRest(outputs.get(p));
        assertThat(child.exitValue()).as("child %d exit; output:%n%s", p, rest).isZero();
        assertThat(rest).contains("done");
      }
    } finally {
      children.forEach(Process::destroyForcibly);
    }

    List<Descriptor> entries = store.entries();
    assertThat(entries).hasSize(PROCESSES * NAMES_PER_PROCESS);
    for (int p = 0; p < PROCESSES; p++) {
      for (int i = 0; i < NAMES_PER_PROCESS; i++) {
        String name = "p" + p + "-" + i;
        Digest expected = Digest.sha256(utf8(name + " content"));
        assertThat(store.resolve(name).map(Descriptor::digest)).as(name).contains(expected);
        assertThat(store.exists(expected)).isTrue();
      }
    }
  }

  private static String readRest(BufferedReader out) throws IOException {
    StringBuilder sb = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null) {
      sb.append(line).append('\n');
    }
    return sb.toString();
  }
}
