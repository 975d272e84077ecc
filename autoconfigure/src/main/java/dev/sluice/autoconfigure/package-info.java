/**
 * Auto-configuration that wires Sluice's capabilities into a Spring Boot application.
 */
package dev.sluice.autoconfigure;
