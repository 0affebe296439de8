package dev.ferry.registry.server;

import dev.ferry.oci.Nullable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who may pull and push where. Without a file: every authenticated user may pull and push everywhere, anonymous
 * users nothing. With a file, each line is {@code USER REPOSITORY-PATTERN ACTIONS}: {@code USER} is a login,
 * {@code *} (any authenticated user) or {@code anonymous}; the pattern is a repository name where {@code *} matches
 * any run of characters ({@code team/*}, {@code *}); actions are {@code pull}, {@code push} or {@code pull,push}.
 * A user gets the union of the lines that match; {@code #} starts a comment. Immutable.
 */
final class Acl {
  static final String ANONYMOUS = "anonymous";

  private record Rule(String user, Pattern repository, Set<String> actions) {}

  private final @Nullable List<Rule> rules;

  private Acl(@Nullable List<Rule> rules) {
    this.rules = rules;
  }

  /** The default: authenticated users may do everything, anonymous nothing. */
  static Acl authenticatedUsers() {
    return new Acl(null);
  }

  static Acl load(Path file) throws IOException {
    List<Rule> rules = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      int hash = line.indexOf('#');
      String l = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (l.isEmpty()) {
        continue;
      }
      String[] f = l.split("\\s+");
      if (f.length != 3) {
        throw new IOException(file + " line " + n + " must be 'USER REPOSITORY-PATTERN ACTIONS', got '" + l + "'");
      }
      Set<String> actions = new TreeSet<>();
      for (String a : f[2].split(",")) {
        if (!a.equals("pull") && !a.equals("push")) {
          throw new IOException(file + " line " + n + ": action must be pull or push, got '" + a + "'");
        }
        actions.add(a);
      }
      String regex = ("\\Q" + f[1] + "\\E").replace("*", "\\E.*\\Q");
      rules.add(new Rule(f[0], Pattern.compile(regex), Set.copyOf(actions)));
    }
    return new Acl(List.copyOf(rules));
  }

  /** Whether this is the default (no file). */
  boolean equalsDefault() {
    return rules == null;
  }

  /** What {@code user} ({@link #ANONYMOUS} when not logged in) may do in {@code repository}. */
  Set<String> actions(String user, String repository) {
    if (rules == null) {
      return user.equals(ANONYMOUS) ? Set.of() : Set.of("pull", "push");
    }
    Set<String> out = new TreeSet<>();
    for (Rule r : rules) {
      boolean who = r.user.equals(user) || (r.user.equals("*") && !user.equals(ANONYMOUS));
      if (who && r.repository.matcher(repository).matches()) {
        out.addAll(r.actions);
      }
    }
    return out;
  }
}
