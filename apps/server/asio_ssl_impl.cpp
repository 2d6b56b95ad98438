// SPDX-License-Identifier: Apache-2.0
// The one translation unit that compiles Asio's TLS support; only TLS-speaking targets link it.
#include <boost/asio/ssl/impl/src.hpp>
