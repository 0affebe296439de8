package dev.ferry.globalfunc;

/**
 * One published version of a function, as {@code history} lists it. Immutable.
 *
 * @param sha256 the version (content hash of the code)
 * @param publishedAt when the branch alias was moved to it, ISO-8601
 * @param current whether the alias points at it now
 */
public record FunctionVersion(String key, String sha256, String publishedAt, boolean current, int lines, String signature) {}
