package io.tandem.runtime; public class Main { public static void main(String[] a){} }
