// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// Stands in for a Lens v3 account (ERC-1271) in the ContractAccount tests (xUnit, Pester, bench): an owner plus
/// account managers, any of whom may sign for it with a plain ECDSA signature over the hash. The owner can remove a
/// manager, or make the account answer a wrong value (mode 1) or revert (mode 2), for the refusals.
contract DeirfTestAccount {
    bytes4 internal constant MAGIC = 0x1626ba7e;
    address public owner;
    mapping(address => bool) public isManager;
    uint8 public mode;
    constructor(address owner_) { owner = owner_; }
    modifier onlyOwner() { require(msg.sender == owner, "not the owner"); _; }
    function addManager(address m) external onlyOwner { isManager[m] = true; }
    function removeManager(address m) external onlyOwner { isManager[m] = false; }
    function setMode(uint8 m) external onlyOwner { mode = m; }
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (mode == 2) revert("DeirfTestAccount: signatures disabled");
        if (mode == 1) return 0xffffffff;
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && (signer == owner || isManager[signer])) return MAGIC;
        return 0xffffffff;
    }
}
