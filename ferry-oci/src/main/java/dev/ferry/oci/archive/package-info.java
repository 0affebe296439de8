/**
 * Archives in and out of the content store: {@code docker save}/{@code docker load} tars ({@link
 * dev.ferry.oci.archive.DockerArchive}), tars and directories of an OCI image layout ({@link
 * dev.ferry.oci.archive.OciArchive}), and telling them apart ({@link dev.ferry.oci.archive.ArchiveFormat}).
 *
 * <p>Every import is one sequential streaming pass over the archive (a file, or a pipe such as stdin), optionally
 * gzip- or zstd-compressed as a whole; no layer is ever held in memory. Names are written to the store's {@code
 * index.json} only after every blob of every image has been stored and verified, in one atomic update, so a failed
 * import leaves the names exactly as they were (at worst some unnamed blobs, which {@code gc} removes). Every
 * export is deterministic: sorted entries, mtime 0, uid/gid 0.
 */
package dev.ferry.oci.archive;
