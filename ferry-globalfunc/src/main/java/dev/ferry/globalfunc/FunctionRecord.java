package dev.ferry.globalfunc;

import java.util.Objects;

/**
 * One function as scanned from a repository: its code, content hashes, and what Python's {@code ast} read from it.
 * Immutable.
 *
 * @param key {@code space.package_branch.function}
 * @param code the file's text
 * @param sha256 hex sha256 of the code's UTF-8 bytes: the version
 * @param md5 hex md5 of the same bytes (the original notes used it)
 * @param modified the file's modification time, ISO-8601
 * @param lines number of lines of the code
 * @param signature {@code (time_str=None, bias_hours=0)}, empty when the file does not parse
 * @param params the parameters as a JSON array ({@code name, kind, default, required})
 * @param docstring the function's docstring, else the module's, plus bare strings after the function
 * @param error why the file cannot be loaded (a syntax error, no function of that name), empty when fine
 */
public record FunctionRecord(
    String key,
    String space,
    String packageName,
    String branch,
    String name,
    String code,
    String sha256,
    String md5,
    String modified,
    int lines,
    String signature,
    String params,
    String docstring,
    String error) {

  public FunctionRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(space, "space");
    Objects.requireNonNull(packageName, "packageName");
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(modified, "modified");
    signature = Objects.requireNonNullElse(signature, "");
    params = Objects.requireNonNullElse(params, "[]");
    docstring = Objects.requireNonNullElse(docstring, "");
    error = Objects.requireNonNullElse(error, "");
    if (!key.equals(FunctionKeys.key(space, packageName, branch, name))) {
      throw new IllegalArgumentException("key must be space.package_branch.function, got " + key);
    }
  }

  /** {@code Base.inverse_time_str}: the seed's {@code pack_func}. */
  public String packFunc() {
    return packageName + "." + name;
  }

  /** The first twelve hex digits of the version, as shown in tables. */
  public String shortVersion() {
    return sha256.substring(0, 12);
  }

  /** The first line of the docstring, or empty. */
  public String summary() {
    String d = docstring.strip();
    int nl = d.indexOf('\n');
    return nl < 0 ? d : d.substring(0, nl).strip();
  }
}
