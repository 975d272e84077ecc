/**
 * Building blocks shared by every capability: named thread factories and the registry of
 * running tasks.
 */
@NullMarked
package dev.sluice.core;

import org.jspecify.annotations.NullMarked;
