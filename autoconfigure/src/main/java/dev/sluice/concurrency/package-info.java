/**
 * The in-flight request cap, fixed or adaptive (it bounds requests at once; it is not a rate limit).
 */
package dev.sluice.concurrency;
