package dev.ferry.build.dockerfile;

import java.util.Objects;

/**
 * A here-document attached to {@code RUN}, {@code COPY} or {@code ADD}: {@code <<EOF}, {@code <<-EOF} (leading tabs
 * stripped), {@code <<"EOF"} or {@code <<'EOF'} (no expansion), optionally with a file descriptor ({@code 3<<EOF}).
 * Immutable.
 *
 * @param name the delimiter word without quotes; for {@code COPY}/{@code ADD} it is also the file name
 * @param content the body, every line ending in {@code \n}; already tab-stripped when {@code chomp}
 * @param expand whether {@code $} references in the body are expanded (the delimiter was not quoted)
 * @param chomp whether it was written {@code <<-}
 * @param fileDescriptor the descriptor written before {@code <<}, 0 (stdin) when none
 */
public record Heredoc(String name, String content, boolean expand, boolean chomp, int fileDescriptor) {
  public Heredoc {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(content, "content");
  }
}
