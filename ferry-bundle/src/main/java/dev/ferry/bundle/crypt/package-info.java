/**
 * OCI layer encryption as ocicrypt defines it, interoperable with {@code skopeo copy --encryption-key jwe:…} and
 * {@code --decryption-key}: each layer is encrypted with AES-256-CTR under its own random key, HMAC-SHA256 over the
 * ciphertext; the key, nonce and plain digest are wrapped for each recipient in a JWE (RSA-OAEP, A256GCM) carried
 * in the layer descriptor's {@code org.opencontainers.image.enc.keys.jwe} annotation, the cipher and HMAC in
 * {@code org.opencontainers.image.enc.pubopts}; media types gain {@code +encrypted}. Configs are not encrypted.
 */
package dev.ferry.bundle.crypt;
