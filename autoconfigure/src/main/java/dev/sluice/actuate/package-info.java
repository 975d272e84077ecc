/**
 * The Actuator endpoint, task view and health contributor.
 */
@NullMarked
package dev.sluice.actuate;

import org.jspecify.annotations.NullMarked;
