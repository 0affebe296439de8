package dev.ferry.oci.store;

import dev.ferry.oci.Descriptor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child process for {@link OciStoreMultiProcessTest}: opens the store at {@code args[0]}, prints {@code ready},
 * waits for a line on stdin, then stores and tags {@code args[2]} blobs named {@code args[1]-<i>}.
 */
public final class StoreTaggerMain {
  private StoreTaggerMain() {}

  public static void main(String[] args) throws Exception {
    OciStore store = OciStore.open(Path.of(args[0]));
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    System.out.println("ready");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    for (int i = 0; i < count; i++) {
      String name = prefix + "-" + i;
      Descriptor d = store.put("application/octet-stream", (name + " content").getBytes(StandardCharsets.UTF_8));
      store.tag(name, d);
    }
    System.out.println("done");
    System.out.flush();
  }
}
