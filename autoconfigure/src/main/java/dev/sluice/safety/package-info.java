/**
 * Handler safety: a start-up check of singleton beans for shared mutable state without
 * protection.
 */
@NullMarked
package dev.sluice.safety;

import org.jspecify.annotations.NullMarked;
