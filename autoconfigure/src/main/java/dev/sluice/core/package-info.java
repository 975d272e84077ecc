/**
 * Building blocks shared by every capability: named thread factories and the registry of running tasks.
 */
package dev.sluice.core;
