/**
 * Task groups: errgroup-style fan-out that cancels on the first failure.
 */
package dev.sluice.group;
