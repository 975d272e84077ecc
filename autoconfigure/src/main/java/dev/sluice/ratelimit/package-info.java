/**
 * Admission control: token-bucket rate limits and the in-flight concurrency cap.
 */
package dev.sluice.ratelimit;
