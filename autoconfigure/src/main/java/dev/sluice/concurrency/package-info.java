/**
 * The in-flight request cap, fixed or adaptive (it bounds requests at once; it is not a
 * rate limit).
 */
@NullMarked
package dev.sluice.concurrency;

import org.jspecify.annotations.NullMarked;
