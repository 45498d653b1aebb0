/**
 * The attention service-provider interface: an {@link dev.shadowattn.api.AttentionProvider} found with
 * {@link java.util.ServiceLoader} creates an {@link dev.shadowattn.api.AttentionBackend} for a model geometry;
 * the backend opens {@link dev.shadowattn.api.AttentionSession}s that own the KV cache of one sequence.
 * No engine types and no dependencies.
 */
package dev.shadowattn.api;
