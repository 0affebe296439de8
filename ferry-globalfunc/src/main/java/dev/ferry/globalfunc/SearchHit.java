package dev.ferry.globalfunc;

/**
 * A search result. Immutable.
 *
 * @param score higher is better; comparable only within one search
 */
public record SearchHit(String key, String packFunc, String signature, String summary, String sha256, double score) {}
