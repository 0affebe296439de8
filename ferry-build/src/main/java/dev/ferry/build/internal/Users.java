package dev.ferry.build.internal;

import dev.ferry.build.BuildException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Resolves {@code USER} and {@code --chown} values against a root filesystem's {@code /etc/passwd} and
 * {@code /etc/group}, as BuildKit does: numbers are taken as they are, names are looked up. Stateless.
 */
public final class Users {
  private Users() {}

  /** A numeric owner. */
  public record Ids(long uid, long gid) {}

  /**
   * The owner {@code COPY --chown=user[:group]} gives: a numeric user without a group gets gid = uid; a named user
   * without a group gets its primary group from {@code /etc/passwd}.
   *
   * @throws BuildException naming the user or group that is not in the files
   */
  public static Ids chown(Path rootfs, String spec) throws IOException {
    return resolve(rootfs, spec, true);
  }

  /**
   * The uid and gid a {@code RUN} runs as for {@code USER user[:group]}: a user without a group gets its primary
   * group from {@code /etc/passwd}, or 0 when a numeric user has no entry there (as Docker does).
   */
  public static Ids user(Path rootfs, String spec) throws IOException {
    return resolve(rootfs, spec.isEmpty() ? "0" : spec, false);
  }

  private static Ids resolve(Path rootfs, String spec, boolean chown) throws IOException {
    int colon = spec.indexOf(':');
    String user = colon < 0 ? spec : spec.substring(0, colon);
    Optional<String> group = colon < 0 ? Optional.empty() : Optional.of(spec.substring(colon + 1));
    if (user.isEmpty()) {
      throw new BuildException("user '" + spec + "' has an empty user name");
    }
    long uid;
    long gid;
    if (isNumber(user)) {
      uid = Long.parseLong(user);
      Optional<String[]> entry = find(lines(rootfs, "etc/passwd"), 2, user);
      gid = chown ? uid : entry.filter(e -> isNumber(e[3])).map(e -> Long.parseLong(e[3])).orElse(0L);
    } else {
      String[] entry = find(lines(rootfs, "etc/passwd"), 0, user)
          .orElseThrow(() -> new BuildException(
              "unable to find user " + user + ": no matching entries in /etc/passwd of the build's root filesystem"));
      uid = Long.parseLong(entry[2]);
      gid = isNumber(entry[3]) ? Long.parseLong(entry[3]) : 0;
    }
    if (group.isPresent()) {
      String g = group.get();
      if (isNumber(g)) {
        gid = Long.parseLong(g);
      } else {
        String[] entry = find(lines(rootfs, "etc/group"), 0, g)
            .orElseThrow(() -> new BuildException(
                "unable to find group " + g + ": no matching entries in /etc/group of the build's root filesystem"));
        gid = Long.parseLong(entry[2]);
      }
    }
    return new Ids(uid, gid);
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
  }

  private static List<String> lines(Path rootfs, String file) throws IOException {
    Path p = rootfs.resolve(file);
    if (Files.isSymbolicLink(p)) {
      return List.of(); // never follow a link out of the root filesystem
    }
    try {
      return Files.readAllLines(p, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  /** The first entry (at least 4 fields, a numeric field 2) whose field {@code field} equals {@code value}. */
  private static Optional<String[]> find(List<String> lines, int field, String value) {
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(":", -1);
      if (f.length >= 4 && f[field].equals(value) && isNumber(f[2])) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
