/**
 * Layer tars: a reproducible {@link dev.ferry.oci.layer.LayerWriter}, a {@link dev.ferry.oci.layer.LayerDiff}
 * between two directory trees, and a {@link dev.ferry.oci.layer.LayerExtractor} that applies a stack of layers to
 * a root directory without ever writing outside it.
 *
 * <p>Guarantees, whiteout semantics and safety limits are described in {@code docs/layers.md}.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/layer.md">OCI image layer filesystem
 *     changeset</a>
 */
package dev.ferry.oci.layer;
