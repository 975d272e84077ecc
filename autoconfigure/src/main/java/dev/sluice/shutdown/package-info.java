/**
 * Graceful shutdown that completes or reports every accepted task.
 */
package dev.sluice.shutdown;
