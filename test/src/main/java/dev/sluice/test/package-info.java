/**
 * JUnit 5 support for tests of Sluice applications: {@link dev.sluice.test.DetectThreadLeaks}.
 */
package dev.sluice.test;
