package dev.ferry.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.MediaType.Compression;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingWalkTest {
  @TempDir Path tmp;

  /** Names whose order differs between "sort siblings by name" and "sort whole paths": '-' < '/' < '0'. */
  private Path trickyTree() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("root"));
    for (String d : new String[] {"a", "a/x", "a0", "b/c/d", "é"}) {
      Files.createDirectories(root.resolve(d));
    }
    for (String f : new String[] {"a-b", "a.txt", "a/x/1", "a/x-1", "a0/z", "b/c/d/e", "b-c", "é/ü", "A"}) {
      Files.writeString(root.resolve(f), f);
    }
    Files.createSymbolicLink(root.resolve("a/link"), Path.of("../a-b"));
    Files.createLink(root.resolve("b/hard"), root.resolve("a-b"));
    return root;
  }

  @Test
  void walkSorted_yieldsTheGlobalPathOrder() throws IOException {
    Path root = trickyTree();
    List<LayerEntry> sorted = new ArrayList<>(FileSystemEntries.read(root));
    sorted.sort(LayerEntry::compareByPath);
    List<String> walked = new ArrayList<>();
    FileSystemEntries.walkSorted(root).forEachRemaining(e -> walked.add(e.path()));

    assertThat(walked).containsExactlyElementsOf(sorted.stream().map(LayerEntry::path).toList());
    assertThat(walked.indexOf("a-b")).isLessThan(walked.indexOf("a/"));
  }

  @Test
  void writeDirectory_streaming_sameBytesAsTheSortedList() throws IOException {
    Path root = trickyTree();
    for (Compression c : Compression.values()) {
      LayerWriter w = LayerWriter.builder().compression(c).build();
      ByteArrayOutputStream streamed = new ByteArrayOutputStream();
      WrittenLayer a = w.write(root, streamed);
      ByteArrayOutputStream listed = new ByteArrayOutputStream();
      WrittenLayer b = w.write(SecurityXattrs.apply(FileSystemEntries.read(root), root), listed);

      assertThat(a).as(c.toString()).isEqualTo(b);
      assertThat(streamed.toByteArray()).isEqualTo(listed.toByteArray());
    }
  }
}
