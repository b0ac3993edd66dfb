// Request/response over a connection, as libp2p request-response does it: one yamux stream
// per exchange, negotiated with multistream-select under the application's protocol id;
// the requester writes one unsigned-varint length-prefixed request and half-closes, the
// responder answers with one length-prefixed response. A responder also answers further
// requests on a stream the requester keeps open (go-libp2p-kad-dht reuses its streams).
// The events and errors here are the connection machine's (host::Connection).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "p2pgossip/bytes.hpp"

namespace p2pgossip::host {

using RequestToken = std::uint64_t;  // the caller's name for one outbound request

enum class RequestError : std::uint8_t {
  kUnsupportedProtocol,  // the remote does not answer this protocol
  kTimeout,              // no whole response before the request's deadline
  kResponseTooLarge,     // the response's length prefix is above the request's limit
  kReset,                // the remote reset the stream or closed it without a response
  kConnectionClosed,     // the connection closed first
  kStreamLimit,          // no stream could be opened (max_streams, or going away)
  kNotConnected,         // no connection to the peer (the shell's)
  kBusy,                 // the remote refuses requests it cannot queue (the shell's)
};

std::string_view request_error_name(RequestError e);

// Our request's whole response.
struct ResponseReceived {
  RequestToken request;
  Bytes response;
};
struct RequestFailed {
  RequestToken request;
  RequestError error;
};
// A request of the remote on `stream`, to answer with Connection::respond (or refuse).
struct RequestReceived {
  std::uint32_t stream;
  std::string protocol;
  Bytes request;
};

}  // namespace p2pgossip::host
