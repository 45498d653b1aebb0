/**
 * The built-in dense attention backend ({@code dense}): exact causal grouped-query attention over a KV cache that
 * grows in 64-position chunks of off-heap memory, with K stored in 16-key blocks transposed to {@code [dim][key]}
 * and V row-major, computed flash-style (online softmax) by kernels chosen at start-up (Vector API or scalar).
 * See {@code docs/DENSE-ATTENTION.md}.
 */
package dev.shadowattn.host.attention;
