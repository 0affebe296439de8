/**
 * GlobalFunc: a versioned, searchable library of Python functions kept in a git repository, recorded in a catalog
 * (SQLite or PostgreSQL), and invoked by persistent Python workers, locally or over HTTP.
 *
 * <p>Vocabulary (from the original notes): a <em>space</em> ({@code sp_GlobalFunc}) holds <em>packages</em> (folders
 * of the repository), each a set of functions, one per file named after the function; a function's <em>key</em> is
 * {@code space.package_branch.function}; {@code pack_func} ({@code Base.to_pickle}) names a function within a space
 * and branch. A <em>version</em> is the sha256 of a function's code; a branch alias (the key) points at one.
 */
package dev.ferry.globalfunc;
