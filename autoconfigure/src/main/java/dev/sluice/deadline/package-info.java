/**
 * One deadline per request, propagated to every downstream call.
 */
@NullMarked
package dev.sluice.deadline;

import org.jspecify.annotations.NullMarked;
