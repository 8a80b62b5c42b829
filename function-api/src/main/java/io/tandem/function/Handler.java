package io.tandem.function; public interface Handler {}
