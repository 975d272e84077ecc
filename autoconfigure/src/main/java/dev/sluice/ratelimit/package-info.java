/**
 * Admission control: token-bucket rate limits.
 */
package dev.sluice.ratelimit;
