package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Reference;

/**
 * What a push did. Immutable.
 *
 * @param destination where the image went (with the tag or digest it was pushed by)
 * @param descriptor the top manifest or index pushed; its digest is the same in the store and the registry
 * @param blobsUploaded blobs whose bytes were sent
 * @param blobsMounted blobs mounted from another repository of the same registry
 * @param blobsExisting blobs the registry already had in the destination repository
 * @param bytesUploaded blob bytes sent, resends after a dropped connection included
 * @param manifests manifests and indexes put
 */
public record PushResult(
    Reference destination,
    Descriptor descriptor,
    int blobsUploaded,
    int blobsMounted,
    int blobsExisting,
    long bytesUploaded,
    int manifests) {}
