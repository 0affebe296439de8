package dev.ferry.python;

/**
 * Where the parts of a wheel go in an image (the install scheme), as absolute paths inside the image, and the
 * interpreter that launchers and {@code #!python} scripts run. Immutable.
 *
 * @see <a href="https://packaging.python.org/en/latest/specifications/binary-distribution-format/">PEP 427 spread</a>
 */
public record InstallLayout(String interpreter, String purelib, String platlib, String scripts, String headers,
    String data) {
  public InstallLayout {
    for (String p : new String[] {interpreter, purelib, platlib, scripts, headers, data}) {
      if (!p.startsWith("/") || p.contains("/../") || p.endsWith("/..")) {
        throw new IllegalArgumentException("install paths must be absolute without '..', got '" + p + "'");
      }
    }
  }

  /**
   * The usual scheme below a prefix: {@code PREFIX/lib/pythonX.Y/SITE}, {@code PREFIX/bin},
   * {@code PREFIX/include/pythonX.Y}, {@code PREFIX}.
   */
  public static InstallLayout prefix(String prefix, String interpreter, String version, String siteDir) {
    String lib = prefix + "/lib/python" + version + "/" + siteDir;
    return new InstallLayout(interpreter, lib, lib, prefix + "/bin", prefix + "/include/python" + version, prefix);
  }
}
