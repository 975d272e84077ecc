/**
 * Admission control: token-bucket rate limits.
 */
@NullMarked
package dev.sluice.ratelimit;

import org.jspecify.annotations.NullMarked;
