package dev.ferry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Real wheels for tests, built by Debian's {@code /usr/bin/python3} with pip and setuptools (no network, no build
 * isolation): a pure-Python project with a console script and a {@code #!python} data script, and a C extension
 * compiled with gcc against {@code python3-dev}. Also lists the third-party wheels Debian ships in
 * {@code /usr/share/python-wheels} ({@code python3-pip-whl}, {@code python3-setuptools-whl}, {@code python3-wheel-whl}).
 * Stateless.
 */
public final class PythonWheels {
  /** Debian's interpreter: the one whose pip, setuptools and wheel scripts/install-prereqs.sh installs. */
  public static final Path PYTHON = Path.of("/usr/bin/python3");

  public static final Path DEBIAN_WHEELS = Path.of("/usr/share/python-wheels");

  private PythonWheels() {}

  /** Skips (or under CI fails) the test unless Debian's python3 with pip, setuptools and wheel is installed. */
  public static void require() throws IOException, InterruptedException {
    if (!Files.isExecutable(PYTHON)) {
      Peers.require("python3-debian-missing");
    }
    Processes.Result r = Processes.run(PYTHON.toString(), "-c", "import setuptools, wheel, pip");
    if (r.exitCode() != 0) {
      Peers.require("python3-pip+python3-wheel (" + r.stderr().strip() + ")");
    }
  }

  /**
   * Builds {@code NAME-VERSION-py3-none-any.whl}: package {@code NAME} whose {@code main()} prints
   * {@code hello from NAME VERSION} and the arguments, console script {@code NAME-hello}, and a data script
   * {@code NAME-data} with a {@code #!python} line.
   */
  public static Path pure(Path work, String name, String version) throws IOException, InterruptedException {
    Path src = Files.createDirectories(work.resolve("src-" + name + "-" + version));
    Path pkg = Files.createDirectories(src.resolve(name));
    Files.writeString(pkg.resolve("__init__.py"),
        "import sys\n__version__ = '" + version + "'\n\n"
            + "def main():\n    print('hello from " + name + " ' + __version__ + ' ' + ' '.join(sys.argv[1:]))\n"
            + "    return 0\n");
    Files.writeString(pkg.resolve("__main__.py"), "from " + name + " import main\nmain()\n");
    Files.writeString(pkg.resolve("data.txt"), "package data of " + name + "\n");
    Path scripts = Files.createDirectories(src.resolve("scripts"));
    Files.writeString(scripts.resolve(name + "-data"), "#!python\nimport " + name + "\nprint('data script', "
        + name + ".__version__)\n");
    Files.writeString(src.resolve("setup.py"),
        "from setuptools import setup\n"
            + "setup(name='" + name + "', version='" + version + "', packages=['" + name + "'],\n"
            + "      package_data={'" + name + "': ['data.txt']},\n"
            + "      scripts=['scripts/" + name + "-data'],\n"
            + "      entry_points={'console_scripts': ['" + name + "-hello = " + name + ":main']})\n");
    return build(work, src);
  }

  /**
   * Builds {@code NAME-VERSION-cp3N-cp3N-linux_ARCH.whl}: a C extension module {@code NAME} with {@code add(a, b)},
   * compiled by gcc.
   */
  public static Path extension(Path work, String name, String version) throws IOException, InterruptedException {
    Path src = Files.createDirectories(work.resolve("src-" + name + "-" + version));
    Files.writeString(src.resolve(name + ".c"),
        "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n"
            + "static PyObject *add(PyObject *self, PyObject *args) {\n"
            + "  long a, b;\n  if (!PyArg_ParseTuple(args, \"ll\", &a, &b)) return NULL;\n"
            + "  return PyLong_FromLong(a + b);\n}\n"
            + "static PyMethodDef methods[] = {{\"add\", add, METH_VARARGS, \"a + b\"}, {NULL, NULL, 0, NULL}};\n"
            + "static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, \"" + name + "\", NULL, -1, methods};\n"
            + "PyMODINIT_FUNC PyInit_" + name + "(void) { return PyModule_Create(&mod); }\n");
    Files.writeString(src.resolve("setup.py"),
        "from setuptools import setup, Extension\n"
            + "setup(name='" + name + "', version='" + version + "', ext_modules=[Extension('" + name + "', ['" + name
            + ".c'])])\n");
    return build(work, src);
  }

  private static Path build(Path work, Path src) throws IOException, InterruptedException {
    Path out = Files.createDirectories(work.resolve("dist-" + src.getFileName()));
    Processes.Result r = Processes.run(
        List.of(PYTHON.toString(), "-m", "pip", "wheel", "--no-index", "--no-build-isolation", "--no-deps", "-q",
            "-w", out.toString(), src.toString()),
        src, Map.of("PIP_DISABLE_PIP_VERSION_CHECK", "1", "SOURCE_DATE_EPOCH", "1700000000", "HOME", work.toString()),
        300);
    if (r.exitCode() != 0) {
      throw new IOException("pip wheel " + src + " failed: " + r.stdout() + r.stderr());
    }
    try (Stream<Path> s = Files.list(out)) {
      return s.filter(p -> p.toString().endsWith(".whl")).findFirst()
          .orElseThrow(() -> new IOException("pip wheel wrote no wheel in " + out));
    }
  }

  /** Debian's own wheels ({@code pip}, {@code setuptools}, {@code wheel}). */
  public static List<Path> debian() throws IOException {
    if (!Files.isDirectory(DEBIAN_WHEELS)) {
      Peers.require("python3-wheel-whl");
    }
    try (Stream<Path> s = Files.list(DEBIAN_WHEELS)) {
      return s.filter(p -> p.toString().endsWith(".whl")).sorted().toList();
    }
  }
}
