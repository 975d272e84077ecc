/**
 * The Actuator endpoint, task view and health contributor.
 */
package dev.sluice.actuate;
