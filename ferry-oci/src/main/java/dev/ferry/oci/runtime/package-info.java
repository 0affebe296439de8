/** OCI runtime-spec bundles for running unpacked images with runc. */
package dev.ferry.oci.runtime;
