/**
 * Spec files: Kubernetes-style multi-document YAML declaring environments, functions and HTTP triggers, read with
 * errors that name the file, the line and the field.
 */
package io.tandem.spec;
