/**
 * Graceful shutdown that completes or reports every accepted task.
 */
@NullMarked
package dev.sluice.shutdown;

import org.jspecify.annotations.NullMarked;
