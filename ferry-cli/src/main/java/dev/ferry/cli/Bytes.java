package dev.ferry.cli;

import java.util.Locale;

/** Human-readable sizes, as {@code docker images} prints them (decimal units). Stateless. */
final class Bytes {
  private Bytes() {}

  static String human(long n) {
    if (n < 1000) {
      return n + "B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB"};
    double v = n;
    int i = -1;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return String.format(Locale.ROOT, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, units[i]);
  }
}
