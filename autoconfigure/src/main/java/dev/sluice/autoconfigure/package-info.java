/**
 * Auto-configuration that wires Sluice's capabilities into a Spring Boot application.
 */
@NullMarked
package dev.sluice.autoconfigure;

import org.jspecify.annotations.NullMarked;
